"""The research cycle: templates, ideas, idea folders and their state, stages, events.

Nothing in this package knows about editors, terminals or the language server protocol.
"""
