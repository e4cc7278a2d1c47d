"""The class benchmark's student (benchmarks/classroom.py) speaks Streamlit's websocket protocol as a browser does:
a scene link reruns the page with its settings, a nudge moves the slider it names, and an error on the page is
counted.  Against a real server on loopback."""

import asyncio
import re

import pytest

from benchmarks.app_speed import APP
from benchmarks.browser import Server
from benchmarks.classroom import Student, scene_address, schedule
from benchmarks.reply import Replies, _page
from dashboard import talk
from dashboard.i18n import catalog


@pytest.fixture(scope="module")
def server():
    running = Server(APP).start()
    yield running
    running.stop()


def _run(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.slow  # a server of its own
def test_a_student_arrives_at_a_scene_and_its_nudge_moves_the_chart(server):
    """The vanishing scene (T = 100): its note's number on the page, then T one step off changes the verdict."""

    async def lesson():
        student = Student(server.base, 0)
        await student.connect()
        try:
            number = [code for code, _, _ in talk.SCENES].index("vanishing") + 1
            arrived = await student.open(*scene_address(number))
            moved = await student.nudge(arrived.slider, arrived.slider.value + arrived.slider.step)
            return arrived, moved
        finally:
            await student.close()

    arrived, moved = _run(lesson())
    assert arrived.errors == [] and moved.errors == []
    assert catalog("en")["talk.vanishing_note"] in arrived.texts  # the sidebar's note: the scene was entered
    assert arrived.slider.url_key == "seq_len" and arrived.slider.value == 100
    verdict = re.compile(r"\*\*10\^(-?\d+\.\d)\*\*")
    before = [m.group(1) for text in arrived.texts for m in verdict.finditer(text)]
    after = [m.group(1) for text in moved.texts for m in verdict.finditer(text)]
    assert before and after and before[0] != after[0]  # T = 101: another power of ten, drawn by the fragment


class _Replay:
    """A websocket that answers every send with the given ForwardMsgs."""

    def __init__(self, messages):
        self.messages, self.sent = [m.SerializeToString() for m in messages], []

    async def send(self, data):
        self.sent.append(data)

    async def recv(self):
        return self.messages.pop(0)


def test_an_exception_or_an_error_box_on_the_page_is_counted_and_the_run_ends_at_script_finished():
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    exception, alert, info, done = ForwardMsg(), ForwardMsg(), ForwardMsg(), ForwardMsg()
    exception.delta.new_element.exception.type = "ValueError"
    exception.delta.new_element.exception.message = "boom"
    alert.delta.new_element.alert.body, alert.delta.new_element.alert.format = "bad input", Alert.ERROR
    info.delta.new_element.alert.body, info.delta.new_element.alert.format = "a notice", Alert.INFO
    done.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    student = Student("http://127.0.0.1:1", 0)
    student.ws = _Replay([exception, alert, info, done])
    result = _run(student.open("depth", "depth_layers=5"))
    assert result.errors == ["exception: ValueError: boom", "error box: bad input"]
    assert result.texts == ["bad input", "a notice"] and result.slider is None
    sent = BackMsg()
    sent.ParseFromString(student.ws.sent[0])
    assert sent.rerun_script.page_name == "depth" and sent.rerun_script.query_string == "depth_layers=5"


def test_the_lecturers_schedule_waits_for_the_first_minute_then_keeps_its_pace():
    import random

    times = schedule(5, (20.0, 30.0), random.Random(0))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert times[0] == 0 and 80 <= gaps[0] <= 90 and all(20 <= g <= 30 for g in gaps[1:])


@pytest.mark.slow  # the module's server
def test_the_reply_benchmark_times_cached_moves_of_a_page(server):
    replies = _run(_page(server.base, "vanishing_exploding", "Vanishing", 4))
    assert replies.errors == [] and len(replies.ms) == 4 and all(ms > 0 for ms in replies.ms)


def test_a_reply_held_is_one_at_least_30_ms_over_the_pages_median():
    replies = Replies("page", [10.0] * 18 + [39.0, 41.0], [])
    assert replies.median == 10.0 and replies.held == 1  # 39 ms is 29 over the median; 41 ms is 31
    assert replies.p95 == 39.0  # the 19th of 20, sorted
