"""Channels that are not AWS: an SMTP server (where there is no SES) and the WeCom and
DingTalk group robots. Adapters, like chalicelib/aws/: only the flows wire them."""
