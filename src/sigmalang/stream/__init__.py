"""Streams: reading chunks, the ordered pipeline, the encoder, the decoder and file objects."""
