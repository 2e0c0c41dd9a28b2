"""Related settings run by the same library: Local to Global (:mod:`cooccur.related.markov`) and Scan and Snap
(:mod:`cooccur.related.scan_snap`)."""
