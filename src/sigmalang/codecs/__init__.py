"""Codecs: the detector, the policy and selector, the strategies and the segment frames."""
