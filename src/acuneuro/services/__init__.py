"""acuneuro.services"""
