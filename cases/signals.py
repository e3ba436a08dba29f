"""What the case file tells the apps above it (it imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction that defers a case, with `case` and `by`. A
# receiver does its app's part of the deferral (meetings: take the case off
# planned agendas) and returns a sentence for the person who deferred it, or "".
case_deferred = Signal()
