-- Placeholder: version 6 belongs to the webhooks work (built on another branch). Migrations must be numbered without
-- gaps, so this branch's 0007 needs a 6 before it. At merge, delete this file and keep the webhooks' 0006.
SELECT 1;
