-- Runs once, when the postgres container initialises an empty data directory (docker-compose.yml).
-- One database per service; the `migrate` service then applies each service's migrations.
CREATE DATABASE crm_customer;
CREATE DATABASE crm_interaction;
CREATE DATABASE crm_ticketing;
CREATE DATABASE crm_marketing;
CREATE DATABASE crm_analytics;
