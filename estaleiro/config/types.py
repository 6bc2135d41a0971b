"""Constrained string types shared by every schema, each with the words a user needs.

The pattern lands in the published JSON Schema (editors check as people type); the
description is what a validation error says is allowed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, model_validator

from estaleiro.config import catalog

DNS_LABEL = r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
STACK_NAME = r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$"
PROJECT_ID = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
REGION = r"^[a-z]+-[a-z]+[0-9]+$"
PREFIX = r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$"
LABEL_KEY = r"^[a-z][a-z0-9_-]{0,62}$"
LABEL_VALUE = r"^[a-z0-9_-]{0,63}$"
# RFC 5322's dot-atom local part and a hostname of LDH labels: ASCII only (see `_ascii_address`).
EMAIL = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
GITHUB_REPO = r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$"
VERSION = r"^v[0-9]{1,6}$"
GCS_URI = r"^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/.*)?$"
IMAGE = r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$"
NETWORK = r"^projects/[0-9]+/global/networks/[a-z]([-a-z0-9]*[a-z0-9])?$"
MACHINE_TYPE = r"^[a-z][a-z0-9]*-[a-z0-9-]+$"
SHA256 = r"^[a-f0-9]{64}$"
# One named identity as an IAM binding's member (google/iam/v1/policy.proto, Binding.members): never
# allUsers/allAuthenticatedUsers or a whole domain; ASCII only, as e-mail addresses here are.
IAM_PRINCIPAL = r"^(serviceAccount|group|user):[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[a-z]{2,}$"

ALLOWED = {
    DNS_LABEL: "a DNS label: lowercase letters, digits and hyphens, starting with a letter, at most 63",
    STACK_NAME: "a stack name: 2-12 lowercase letters, digits or hyphens, starting with a letter",
    PROJECT_ID: "a GCP project id: 6-30 lowercase letters, digits or hyphens, starting with a letter",
    REGION: "a GCP region such as us-central1 or europe-west4",
    PREFIX: "a naming prefix: 2-20 lowercase letters, digits or hyphens, starting with a letter",
    LABEL_KEY: "a label key: lowercase letters, digits, '_' or '-', starting with a letter, at most 63",
    LABEL_VALUE: "a label value: lowercase letters, digits, '_' or '-', at most 63",
    EMAIL: "an e-mail address",
    GITHUB_REPO: "a GitHub repository as owner/name",
    VERSION: "a model version such as v7",
    GCS_URI: "a Cloud Storage URI such as gs://bucket/path/",
    IMAGE: "a container image such as us-docker.pkg.dev/project/repo/image:tag or ...@sha256:<64 hex>",
    NETWORK: "a VPC network as projects/<project number>/global/networks/<name>",
    MACHINE_TYPE: "a Compute Engine machine type such as n1-standard-4",
    SHA256: "a sha256 digest: 64 lowercase hex digits",
    IAM_PRINCIPAL: "an IAM principal such as serviceAccount:app@project.iam.gserviceaccount.com (or group:, user:)",
}


def pattern(regex: str) -> object:
    """A `Field` that constrains a string to `regex` and documents it in the schema."""
    return Field(pattern=regex, description=ALLOWED[regex])


DnsLabel = Annotated[StrictStr, pattern(DNS_LABEL)]
StackName = Annotated[StrictStr, pattern(STACK_NAME)]
ProjectId = Annotated[StrictStr, pattern(PROJECT_ID)]
Region = Annotated[StrictStr, pattern(REGION), AfterValidator(catalog.region)]
Prefix = Annotated[StrictStr, pattern(PREFIX)]
LabelKey = Annotated[StrictStr, pattern(LABEL_KEY)]
LabelValue = Annotated[StrictStr, pattern(LABEL_VALUE)]


def _refusing(allowed: Callable[[str], bool], problem: Callable[[str, str], str]) -> Callable[[object], object]:
    """A validator refusing a string with a character not `allowed`; `problem(value, character)` words it."""

    def check(value: object) -> object:
        odd = next((c for c in value if not allowed(c)), None) if isinstance(value, str) else None
        if isinstance(value, str) and odd is not None:
            name = unicodedata.name(odd, "a control character")
            raise ValueError(problem(value, f"U+{ord(odd):04X} {name}"))
        return value

    return check


# An address that reads as another (U+0430, a Cyrillic a, in example.com; a right-to-left override
# reversing the domain) routes alerts and reviews to whoever owns the look-alike: addresses are ASCII,
# an internationalised domain written in its `xn--` form, as DNS carries it anyway.
_ascii_address = _refusing(
    lambda c: c.isascii() and c.isprintable(),
    lambda value, odd: (
        f"got {value!r}, which holds {odd}: an address is ASCII (a look-alike or invisible "
        "character sends mail elsewhere; write an internationalised domain as xn--)"
    ),
)
# Controls and format characters (bidi overrides and isolates, zero-width spaces) make a name shown to
# reviewers read other than it is (CVE-2021-42574, "Trojan Source").
_no_hidden_characters = _refusing(
    lambda c: unicodedata.category(c) not in ("Cc", "Cf"),
    lambda _, odd: (
        f"holds {odd}, an invisible or bidi control character that makes text read other than it is: remove it"
    ),
)


def _iso_date(value: object) -> object:
    """Only `YYYY-MM-DD`: pydantic would also read `0` (a Unix time: 1970-01-01) or a timestamp as a date."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise ValueError(f"got {value!r}, expected a date written YYYY-MM-DD")
    return value


Email = Annotated[StrictStr, pattern(EMAIL), BeforeValidator(_ascii_address)]
GithubRepo = Annotated[StrictStr, pattern(GITHUB_REPO)]
Version = Annotated[StrictStr, pattern(VERSION)]
GcsUri = Annotated[StrictStr, pattern(GCS_URI)]
Image = Annotated[StrictStr, pattern(IMAGE)]
Network = Annotated[StrictStr, pattern(NETWORK)]
IamPrincipal = Annotated[StrictStr, pattern(IAM_PRINCIPAL)]
MachineType = Annotated[StrictStr, pattern(MACHINE_TYPE), AfterValidator(catalog.machine_type)]
Sha256 = Annotated[StrictStr, pattern(SHA256)]
Text = Annotated[StrictStr, Field(min_length=1)]
VisibleText = Annotated[Text, AfterValidator(_no_hidden_characters)]  # a name a reviewer reads and trusts
Date = Annotated[datetime.date, BeforeValidator(_iso_date)]


def _five_field_cron(schedule: str) -> str:
    from croniter import croniter  # 25 ms: paid only by manifests that schedule something, not by every import

    if not croniter.is_valid(schedule) or len(schedule.split()) != 5:
        raise ValueError(
            f"got {schedule!r}, expected a 5-field cron such as '0 * * * *' (minute hour day month weekday)"
        )
    return schedule


# What Vertex AI schedules run on: a standard 5-field cron, in UTC.
Cron = Annotated[Text, AfterValidator(_five_field_cron)]
Measure = Annotated[float, Field(strict=True, allow_inf_nan=False)]  # a number a metric can be: NaN and inf are not


class Frozen(BaseModel):
    """Base of every schema: unknown keys are errors, objects are immutable after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Threshold(Frozen):
    """Bounds a metric must meet: in every version's model card, and in served quality."""

    min: Measure | None = None
    max: Measure | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max}): no value can meet it")
        return self
