"""Notices: a durable outbox of what people are told, and the sender that delivers it.

`outbox` (the record, `enqueue`), and, below every other domain, what the sender, its
channels (e-mail, webhook) and the console's outbox page add. A domain that changes something
people must hear about calls `outbox.enqueue` inside the same transaction as the change, so a
crash never loses or invents a notice.
"""
