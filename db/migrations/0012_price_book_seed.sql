-- Public list prices, as quoted by the sources named on each row (figures compiled 2026-12-06). Effective from
-- 2024-01-01 so that every month Flightdeck may hold is priced; finance adds rows with a later date to change a price.
-- AWS and Azure price per GB (10^9 bytes), GCP network per GiB (2^30 bytes).
INSERT INTO "egress_prices" ("cloud", "kind", "tier_from", "usd_per_unit", "unit", "effective_from", "source", "as_of") VALUES
('aws', 'internet', 0, 0, 'GB', '2024-01-01T00:00:00Z', 'AWS: first 100 GB a month to the internet free, aggregated across services and regions (aws.amazon.com/ec2/pricing/on-demand, Data Transfer)', '2026-12-06'),
('aws', 'internet', 100, 0.09, 'GB', '2024-01-01T00:00:00Z', 'AWS us-east-1 internet egress up to 10 TB a month (aws.amazon.com/ec2/pricing/on-demand, Data Transfer)', '2026-12-06'),
('aws', 'internet', 10240, 0.085, 'GB', '2024-01-01T00:00:00Z', 'AWS us-east-1 internet egress, next 40 TB a month', '2026-12-06'),
('aws', 'internet', 51200, 0.07, 'GB', '2024-01-01T00:00:00Z', 'AWS us-east-1 internet egress, next 100 TB a month', '2026-12-06'),
('aws', 'internet', 153600, 0.05, 'GB', '2024-01-01T00:00:00Z', 'AWS us-east-1 internet egress, over 150 TB a month', '2026-12-06'),
('aws', 'inter_region', 0, 0.02, 'GB', '2024-01-01T00:00:00Z', 'AWS inter-region transfer from US East to other US regions and the EU, charged at the source (some pairs cost $0.01–0.09)', '2026-12-06'),
('aws', 'same_region', 0, 0, 'GB', '2024-01-01T00:00:00Z', 'AWS: S3 to EC2 in the same region transfers free (requests still billed)', '2026-12-06'),
('aws', 'request_get', 0, 0.0004, '1k requests', '2024-01-01T00:00:00Z', 'Amazon S3 Standard GET, SELECT and other requests (aws.amazon.com/s3/pricing, Requests & data retrievals)', '2026-12-06'),
('aws', 'request_put', 0, 0.005, '1k requests', '2024-01-01T00:00:00Z', 'Amazon S3 Standard PUT, COPY, POST, LIST requests (aws.amazon.com/s3/pricing)', '2026-12-06'),
('gcp', 'internet', 0, 0.12, 'GiB', '2024-01-01T00:00:00Z', 'Google Cloud Premium Tier internet egress 0–1 TiB a month (cloud.google.com/storage/pricing-examples; destination-based table)', '2026-12-06'),
('gcp', 'internet', 1024, 0.11, 'GiB', '2024-01-01T00:00:00Z', 'Google Cloud Premium Tier internet egress 1–10 TiB a month', '2026-12-06'),
('gcp', 'internet', 10240, 0.08, 'GiB', '2024-01-01T00:00:00Z', 'Google Cloud Premium Tier internet egress over 10 TiB a month', '2026-12-06'),
('gcp', 'inter_region', 0, 0.02, 'GiB', '2024-01-01T00:00:00Z', 'Google Cloud inter-region within North America (raised from $0.01 in 2024; unverified against the Billing Catalog API)', '2026-12-06'),
('gcp', 'same_region', 0, 0, 'GiB', '2024-01-01T00:00:00Z', 'Google Cloud Storage read by a VM in the same location: free', '2026-12-06'),
('gcp', 'request_get', 0, 0.0004, '1k requests', '2024-01-01T00:00:00Z', 'Cloud Storage Class B operations, Standard class (cloud.google.com/storage/pricing-examples)', '2026-12-06'),
('gcp', 'request_put', 0, 0.005, '1k requests', '2024-01-01T00:00:00Z', 'Cloud Storage Class A operations, Standard class (cloud.google.com/storage/pricing-examples)', '2026-12-06'),
('azure', 'internet', 0, 0, 'GB', '2024-01-01T00:00:00Z', 'Azure: first 100 GB a month to the internet free', '2026-12-06'),
('azure', 'internet', 100, 0.087, 'GB', '2024-01-01T00:00:00Z', 'Azure internet egress via the Microsoft premium network, NA/EU source, to 10 TB (unverified: check prices.azure.com/api/retail/prices)', '2026-12-06'),
('azure', 'internet', 10240, 0.083, 'GB', '2024-01-01T00:00:00Z', 'Azure internet egress, next 40 TB (unverified)', '2026-12-06'),
('azure', 'internet', 51200, 0.07, 'GB', '2024-01-01T00:00:00Z', 'Azure internet egress, next 100 TB (unverified)', '2026-12-06'),
('azure', 'internet', 153600, 0.05, 'GB', '2024-01-01T00:00:00Z', 'Azure internet egress, next 350 TB and beyond (unverified)', '2026-12-06'),
('azure', 'inter_region', 0, 0.02, 'GB', '2024-01-01T00:00:00Z', 'Azure inter-region within North America or Europe (unverified)', '2026-12-06'),
('azure', 'same_region', 0, 0, 'GB', '2024-01-01T00:00:00Z', 'Azure: Blob Storage read within its region transfers free', '2026-12-06'),
('azure', 'request_get', 0, 0.0005, '1k requests', '2024-01-01T00:00:00Z', 'Azure Blob Storage Hot LRS read operations, about $0.004–0.005 per 10,000 (region dependent; unverified)', '2026-12-06'),
('azure', 'request_put', 0, 0.0065, '1k requests', '2024-01-01T00:00:00Z', 'Azure Blob Storage Hot LRS write operations, about $0.05–0.065 per 10,000 (region dependent; unverified)', '2026-12-06');
