"""Platform adapters: settings, logs, keys and codecs, Kafka and Temporal clients, the read model
and the audit log. They may use the domain; nothing here knows a workflow, a service or
the command line."""
