"""Major complaints (重大投诉, SPEC §4): classification, the supervisor's opinion, the declaration (申告表)
through one of three interfaces up to the branch chief, its opinions, rounds and queues."""
