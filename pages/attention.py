"""Attention: what replaced recurrence.  One hop to every word, and positions put back by encoding."""

from dashboard import attention_view as view
from dashboard.frame import head_ui
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("att")
    inputs = lab_ui(view.architecture_ui, view.LAB, choices_ui=view.inputs_ui)
    charts_ui(inputs, view.FIXED)


main()
