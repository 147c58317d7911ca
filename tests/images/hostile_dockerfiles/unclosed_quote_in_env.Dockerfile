# An unbalanced quote in ENV: a syntax error at its line (it used to be a 500).
# expect: line 4: ENV: syntax error: No closing quotation
FROM alpine:3.20
ENV A="never closed
