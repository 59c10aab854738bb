-- Support-billing example data. Fixed ids and timestamps (with microseconds)
-- so tests, docs and the demo can name exact rows and versions.

INSERT INTO tenants (id, name) VALUES
  ('tenant_acme',   'Acme Corp'),
  ('tenant_globex', 'Globex Corporation');

INSERT INTO customers (id, tenant_id, name, email, plan, created_at) VALUES
  ('C-101', 'tenant_acme',   'Northwind Traders', 'billing@northwind.example', 'growth',     '2025-11-02 10:00:00+00'),
  ('C-102', 'tenant_acme',   'Initech',           'ap@initech.example',        'starter',    '2025-12-14 16:45:00+00'),
  ('C-103', 'tenant_acme',   'Hooli',             'finance@hooli.example',     'enterprise', '2026-01-20 08:30:00+00'),
  ('C-201', 'tenant_globex', 'Soylent Foods',     'accounts@soylent.example',  'growth',     '2025-10-05 12:00:00+00'),
  ('C-202', 'tenant_globex', 'Umbrella Labs',     'billing@umbrella.example',  'starter',    '2026-02-11 09:15:00+00');

INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, status, waiver_reason, internal_notes, due_at, updated_at) VALUES
  ('INV-3001', 'tenant_acme',   'C-101', 10000,  2500, 'overdue', NULL, 'Customer disputed the April charge by phone, do not quote this to them.', '2026-04-30 23:59:59+00', '2026-05-16 09:30:00.123456+00'),
  ('INV-3002', 'tenant_acme',   'C-101',  4900,     0, 'paid',    NULL, NULL,                                                                        '2026-03-31 23:59:59+00', '2026-04-02 14:05:11.000001+00'),
  ('INV-3003', 'tenant_acme',   'C-102', 25000,  5000, 'overdue', NULL, 'Collections hold until finance confirms the bank transfer.',             '2026-04-15 23:59:59+00', '2026-05-10 18:20:45.654321+00'),
  ('INV-3004', 'tenant_acme',   'C-103', 120000,    0, 'open',    NULL, NULL,                                                                        '2026-06-30 23:59:59+00', '2026-05-01 07:00:00.500000+00'),
  ('INV-3005', 'tenant_acme',   'C-102',  7500,  1500, 'overdue', NULL, NULL,                                                                        '2026-04-20 23:59:59+00', '2026-05-12 11:11:11.111111+00'),
  ('INV-4001', 'tenant_globex', 'C-201',  8800,  2200, 'overdue', NULL, 'Globex finance asked for a single consolidated invoice next cycle.',      '2026-04-25 23:59:59+00', '2026-05-14 13:45:30.987654+00');

INSERT INTO support_tickets (id, tenant_id, customer_id, subject, status, priority, created_at, updated_at) VALUES
  ('T-1001', 'tenant_acme',   'C-101', 'Late fee on INV-3001 charged during the May 3 outage', 'open',    'high',   '2026-05-15 08:12:00+00', '2026-05-15 08:12:00.000100+00'),
  ('T-1002', 'tenant_acme',   'C-101', 'Please change our billing email',                      'closed',  'low',    '2026-03-01 10:00:00+00', '2026-03-02 09:00:00.250000+00'),
  ('T-1003', 'tenant_acme',   'C-101', 'Invoice PDF is missing line items',                    'open',    'normal', '2026-05-14 16:40:00+00', '2026-05-14 16:40:00.000200+00'),
  ('T-1004', 'tenant_acme',   'C-102', 'Card declined when paying INV-3003',                   'pending', 'high',   '2026-05-09 12:00:00+00', '2026-05-10 08:00:00.333333+00'),
  ('T-1005', 'tenant_acme',   'C-102', 'Can we pause the account for a month?',                'open',    'low',    '2026-05-11 09:30:00+00', '2026-05-11 09:30:00.000300+00'),
  ('T-1006', 'tenant_acme',   'C-103', 'SSO login loops back to the sign-in page',             'open',    'high',   '2026-05-16 07:05:00+00', '2026-05-16 07:05:00.000400+00'),
  ('T-2001', 'tenant_globex', 'C-201', 'Charged twice for INV-4001',                           'open',    'high',   '2026-05-13 15:00:00+00', '2026-05-13 15:00:00.000500+00'),
  ('T-2002', 'tenant_globex', 'C-202', 'Upgrade from starter to growth',                       'closed',  'normal', '2026-04-22 11:20:00+00', '2026-04-23 10:00:00.750000+00');
