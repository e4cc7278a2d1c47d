"""Why attention won: the story in order, each step linked to the page that shows it live."""

from dashboard import home_view as view
from dashboard.frame import head_ui


def main():
    head_ui("home", reset=False, fold=False)
    view.story_ui()
    view.timeline_ui()


main()
