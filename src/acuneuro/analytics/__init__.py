"""acuneuro.analytics"""
