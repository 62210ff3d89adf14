"""Recording-policy compliance (POLICY.md TRG, EXC, PRO-1, ACC-4, MET-4).

Activities x recordings -> findings: the engine (:mod:`.engine`, :mod:`.matching`)
judges every (activity, officer) pair the policy requires recorded; the service
runs it in full or incrementally, places recordings (unlinked queue, categories,
PRO-1 seals); reports and supervisor-review draws read what it wrote.
"""
