"""Related settings run by the same library: Local to Global (:mod:`cooccur.related.markov`,
:mod:`cooccur.related.markov_gpt`) and Scan and Snap (:mod:`cooccur.related.scan_snap`)."""

