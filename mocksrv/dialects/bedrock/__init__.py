"""AWS Bedrock Runtime: Converse and InvokeModel (Anthropic), binary event streams, SigV4."""
