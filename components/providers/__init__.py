"""pulumi.dynamic providers for the Vertex AI operations pulumi-gcp lacks.

They call Vertex AI through google-cloud-aiplatform's GAPIC clients, imported inside the
provider methods only: the library costs seconds to import and the plan never needs it.
"""

from components.providers import pickling as pickling  # installs the flat-cost serialize_provider for every provider
