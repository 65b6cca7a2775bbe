"""The audit trail the commands write: the hash chain (append, verify), its readers (history,
replay steps, search) and the element sets each event leaves behind."""
