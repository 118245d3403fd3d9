-- One default for every model until someone who knows the contract sets real prices (Cost → GPU prices).
INSERT INTO "gpu_prices" ("model_pattern", "usd_per_hour", "note")
VALUES ('*', 2.0, 'Default placeholder, not a quote: set what your GPU-hours really cost (on-demand, reserved or amortised hardware).')
ON CONFLICT DO NOTHING;
