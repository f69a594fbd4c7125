"""acuneuro.web"""
