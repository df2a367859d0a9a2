# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Connection options shared by every module of the collection.
    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Where the connection fields come from when they are not given as options.
      - The name of an entry in the play variable C(libcloud_clouds), a dict of named cloud entries normally
        kept in a vault-encrypted vars file. The name is resolved on the controller; an unknown name fails
        and lists the known names.
      - Or an inline dict with the fields O(provider), O(storage_provider), O(dns_provider), O(key), O(secret), O(token), O(profile),
        O(region), O(host), O(port), O(secure), O(options), O(retries) and O(timeout).
      - "Precedence, highest first: options given on the task (including C(module_defaults)), then the cloud
        entry, then the environment variables named for each option."
      - When O(cloud) is not given, the play variable C(libcloud_default_cloud), if set and not empty, names the
        entry of C(libcloud_clouds) to use, as if the task said C(cloud) with that name (the role of
        C(cloudmesh.default.cloud) in a cloudmesh.yaml, see the C(cloudmesh.libcloud.cloudmesh_clouds) filter).
        It does not apply to a task that gives its own O(provider), O(storage_provider), O(dns_provider), O(key), O(secret),
        O(profile), O(host) or O(port); O(region), O(secure), O(options), O(retries) and O(timeout) given on the task win
        over the default entry's fields as over any entry's. An unknown name fails and lists the known names.
    type: raw
  provider:
    description:
      - The libcloud compute provider, the value or the name of one of libcloud's C(Provider) constants, case-insensitive,
        for example V(ec2), V(openstack), V(gce), V(dummy), V(DIGITAL_OCEAN).
      - Needed by the modules that manage nodes. An unknown name fails and names the closest valid ones.
      - Falls back to the environment variable E(LIBCLOUD_PROVIDER).
    type: str
  storage_provider:
    description:
      - The libcloud storage provider, the value or the name of one of libcloud's C(Provider) constants, case-insensitive,
        for example V(s3), V(local), V(openstack_swift), V(google_storage), V(s3_us_east_2) or V(S3_US_EAST2).
      - Needed by the modules that manage buckets and objects.
      - Falls back to the environment variable E(LIBCLOUD_STORAGE_PROVIDER).
    type: str
  dns_provider:
    description:
      - The libcloud DNS provider, the value or the name of one of libcloud's C(Provider) constants, case-insensitive,
        for example V(powerdns), V(route53), V(cloudflare), V(google), V(digitalocean), V(linode).
      - Needed by the modules that manage DNS zones and records.
      - Falls back to the environment variable E(LIBCLOUD_DNS_PROVIDER).
    type: str
    version_added: 0.1.0
  key:
    description:
      - The access key, user name or key id, as the provider's libcloud driver names its first argument.
        For the V(local) storage provider, the folder holding the buckets.
      - Never shown in output, errors or diffs.
      - Falls back to the environment variable E(LIBCLOUD_KEY).
    type: str
  secret:
    description:
      - The secret key or password. Never shown in output, errors or diffs.
      - Falls back to the environment variable E(LIBCLOUD_SECRET).
    type: str
  token:
    description:
      - A session token that belongs with O(key) and O(secret) (AWS STS temporary credentials). Never shown in
        output, errors or diffs.
      - Only for drivers that take one (EC2, S3); any other fails in one line.
      - Falls back to the environment variable E(LIBCLOUD_TOKEN).
    type: str
  profile:
    description:
      - AWS (EC2, S3) only. A profile of the AWS shared credentials file (E(AWS_SHARED_CREDENTIALS_FILE), else
        C(~/.aws/credentials) of the user that runs the task) that supplies O(key), O(secret) and O(token).
      - "Precedence for AWS credentials, highest first: O(key)/O(secret)/O(token) from the task, the cloud entry
        or their environment variables; then the profile named here; then the profile named by E(AWS_PROFILE);
        then the profile C(default) if the file has one."
      - Giving both O(profile) and O(key) fails, as does a profile that the file does not hold (the error lists the
        profiles it has, never a value).
      - Falls back to the environment variable E(LIBCLOUD_PROFILE).
    type: str
  region:
    description:
      - The provider's region, for providers that have regions (for example V(us-east-1) on EC2 or S3).
      - On OpenStack, the region of Keystone's service catalog (libcloud's C(ex_force_service_region)); on GCE,
        the default zone (libcloud's C(datacenter)); on Azure Resource Manager, the default location.
      - Falls back to the environment variable E(LIBCLOUD_REGION).
    type: str
  host:
    description:
      - The API endpoint's host name, to reach a private or compatible endpoint instead of the provider's default.
      - Falls back to the environment variable E(LIBCLOUD_HOST).
    type: str
  port:
    description:
      - The API endpoint's port.
      - Falls back to the environment variable E(LIBCLOUD_PORT).
    type: int
  secure:
    description:
      - Whether to talk to the endpoint over HTTPS. The driver's default (HTTPS) applies when unset.
      - Falls back to the environment variable E(LIBCLOUD_SECURE).
    type: bool
  options:
    description:
      - "Extra keyword arguments for the libcloud driver's constructor, for example C({project: my-project}) for GCE
        or C({tenant_id: ..., subscription_id: ...}) for Azure Resource Manager (see the providers guide)."
      - EC2 requests are signed with Signature Version 4 unless C(signature_version) here says otherwise.
      - A C(timeout) key here is still read when O(timeout) is not set.
      - Values of keys that look like credentials (C(token), C(password), ...) are masked like O(secret).
      - Falls back to the environment variable E(LIBCLOUD_OPTIONS), a JSON object.
    type: dict
  retries:
    description:
      - How many times, at most, each API call is tried when the provider throttles (HTTP 429, EC2
        C(RequestLimitExceeded), S3 C(SlowDown), Azure C(ServerBusy), OpenStack C(overLimit)) or fails in
        passing (a reset connection, a time-out, a cut answer, HTTP 500, 502, 503 or 504). A refused
        connection is tried three times at most, so that a wrong endpoint fails in seconds.
      - Waits between tries grow exponentially with full jitter, from 0.5 seconds up to 20 seconds, and
        honour the provider's C(Retry-After).
      - Retries also stop at the task's deadline, which is the C(wait_timeout) of modules that wait, otherwise
        O(retries) times O(timeout) from the start of the task.
      - Bad input, missing resources and bad credentials are never retried. A node whose create request
        lost its answer is created again only after a listing shows it does not exist.
      - V(1) turns retrying off. Falls back to the environment variable E(LIBCLOUD_RETRIES); the default is V(10).
    type: int
  timeout:
    description:
      - Seconds one API request may take to connect or to answer before it counts as failed (and is retried,
        see O(retries)); also bounds a stalled upload or download.
      - Falls back to the environment variable E(LIBCLOUD_TIMEOUT), then to C(options.timeout); the default is V(30).
    type: int
requirements:
  - apache-libcloud >= 3.8 on the host that runs the task
notes:
  - The key, secret and token never appear in the task's output at any verbosity, in error messages or in diffs.
  - All modules of this collection are in the action group C(cloudmesh.libcloud.libcloud), so connection
    options can be set once with C(module_defaults) and C(group/cloudmesh.libcloud.libcloud).
'''
