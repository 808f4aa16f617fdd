from openai import AzureOpenAI

client = AzureOpenAI(api_version="2024-06-01")
