"""The Envoy gateway: its config, rendered from envoy/gateway.yaml.tmpl (see envoy_config)."""
