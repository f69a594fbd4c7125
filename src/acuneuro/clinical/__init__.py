"""acuneuro.clinical"""
