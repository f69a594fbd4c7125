"""acuneuro.store"""
