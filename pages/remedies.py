"""Remedies, and where they fail: truncation, the bidirectional RNN, LSTM/GRU gates, clipping."""

from dashboard import remedies_view as view
from dashboard.frame import head_ui
from dashboard.lab import lab_ui


def main():
    head_ui("rem")
    lab_ui(view.controls_ui, view.charts_for, choices_ui=view.section_ui)


main()
