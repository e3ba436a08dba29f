"""Facilitator mode. (Being written in the next commit.)"""


def facilitate(request, code):
    raise NotImplementedError


def facilitate_case(request, code, item):
    raise NotImplementedError


def quick_finding(request, code, item):
    raise NotImplementedError


def save_discussion(request, code, item):
    raise NotImplementedError


def mark_reviewed(request, code, item):
    raise NotImplementedError
