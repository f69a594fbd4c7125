"""acuneuro.api.routes"""
