"""acuneuro.evidence"""
