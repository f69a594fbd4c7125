"""acuneuro.api"""
