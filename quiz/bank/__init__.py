"""The question bank: hand-written TOML items, read and checked against their seed texts.

Modules: `schema` (Source, Topic, Item, BankError and answer data), `text`
(quote lookup, cloze parsing), `reader` (read_bank, read_source) and
`validate` (validate, and the `python -m quiz.bank.validate` command).
"""
