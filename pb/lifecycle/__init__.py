"""A cycle's lifecycle: the only code that changes `cycle.phase`.

Each step (open ideas, develop, open voting, close voting, publish, implement) checks what
must hold before it, does what must happen with it in the same transaction (closing voting
seals the box under the lock every cast takes), and records `cycle.advance`.
"""
