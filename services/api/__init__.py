"""The task API: the caseworkers' backend.

Housing organisations' caseworkers and police reviewers list their organisation's open
tasks, read the disclosure sealed to their organisation (CPR masked, every read audited)
and decide; a decision becomes the case workflow's ``decide`` Update. Entry point:
``services.api.app.create_app``.
"""
