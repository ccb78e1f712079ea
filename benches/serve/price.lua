-- wrk: POST /v1/price, one line (RIM 7.50 on 15/06/2024: 16.58 €).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50", "billed_amount": "16.58"}'

-- wrk itself prints "Non-2xx or 3xx responses: N" and socket errors
-- when there are any.
