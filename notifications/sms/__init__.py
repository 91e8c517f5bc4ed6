"""SMS: a delivery channel of the notifications app (alerts to feature phones) and its inbound side
(keywords citizens text to the commune's number). See docs/sms.md."""
