"""Meeting packets: request, progress, download. (Being written in the next commit.)"""


def request_packet(request, code):
    raise NotImplementedError


def packet_status(request, code, copy):
    raise NotImplementedError


def packet_progress(request, code, copy):
    raise NotImplementedError


def download_packet(request, code, copy):
    raise NotImplementedError
