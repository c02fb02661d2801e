"""Who took part, compared with who lives there.

Owns the optional anonymous participant survey (online, kiosk and paper), the population
figures staff enter or import, the equity reports with small cells suppressed, the opt-in
staff-only live turnout during voting, and the community-benefit record. Survey answers carry
no link to a ballot, a voter, a credential or a time, and are rewritten in random order when
the box is sealed (`seal_survey`).
"""
