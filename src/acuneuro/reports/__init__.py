"""acuneuro.reports"""
