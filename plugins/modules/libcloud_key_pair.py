#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_key_pair
short_description: Declare SSH key pairs on any libcloud compute provider
version_added: 0.1.0
description:
  - Makes the key pair O(name) exist or not on any libcloud compute provider whose driver manages key pairs
    (EC2, OpenStack, and others), idempotently and with an honest C(changed).
  - With O(public_key), that public key is imported. Without it, the provider creates the pair and the task
    returns its private key once, in RV(private_key), and writes it to O(private_key_path) when given.
  - "How a stored pair is compared with O(public_key): where the provider returns the stored public key
    (OpenStack), the key material is compared (the comment is ignored). Otherwise the provider's fingerprint is
    compared with each form a provider computes from a public key: the MD5 of the DER-encoded public key (EC2,
    for imported RSA keys), the MD5 of the OpenSSH key blob (OpenStack, GCE) and its SHA-256 (OpenSSH's own,
    EC2's for imported ed25519 keys)."
  - A pair that the provider created has the fingerprint of its private key (on EC2 a SHA-1), which no public
    key matches, so declaring a O(public_key) for it reports a mismatch.
  - Check mode runs the same decisions as a real run and writes nothing. Diff mode shows the name, fingerprint and
    public key before and after.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description: The key pair's name, its identity.
    type: str
    required: true
  state:
    description:
      - V(present) the pair exists; V(absent) it does not (it is deleted when there).
    type: str
    choices: [present, absent]
    default: present
  public_key:
    description:
      - The text of an OpenSSH public key, one line C(TYPE BASE64 [COMMENT]), for example read with
        C(lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub')). It is imported under O(name).
      - A pair of that name that holds another key is reported (a warning and RV(mismatch)) and left alone,
        unless O(force).
      - Text that is not an OpenSSH public key fails before any request.
    type: str
  force:
    description:
      - With O(public_key), replace a pair of that name that holds another key (delete it, import the new one).
      - When the provider creates the pair, allow O(private_key_path) to replace an existing file.
    type: bool
    default: false
  private_key_path:
    description:
      - Where to write the private key of a pair that the provider creates (without O(public_key)), on the host
        that runs the task, with mode 0600, atomically.
      - An existing file there is never overwritten, unless O(force); the task then fails before it creates
        anything. Its folder must exist.
      - Nothing is written when the pair already exists (its private key cannot be had again).
    type: path
notes:
  - A result that carries a private key is hidden from the output at every verbosity, as if the task said
    C(no_log), while a registered variable still holds it.
'''

EXAMPLES = r'''
- name: Import my public key as a key pair
  cloudmesh.libcloud.libcloud_key_pair:
    cloud: aws
    name: deploy
    public_key: "{{ lookup('ansible.builtin.file', 'files/deploy.pub') }}"

- name: Replace the key that the pair holds, if it is another one
  cloudmesh.libcloud.libcloud_key_pair:
    cloud: aws
    name: deploy
    public_key: "{{ lookup('ansible.builtin.file', 'files/deploy-2026.pub') }}"
    force: true

- name: Let the cloud create a pair and keep its private key
  cloudmesh.libcloud.libcloud_key_pair:
    cloud: openstack
    name: ci-runner
    private_key_path: "{{ playbook_dir }}/ci-runner.pem"

- name: Remove a key pair
  cloudmesh.libcloud.libcloud_key_pair:
    cloud: aws
    name: old-deploy
    state: absent
'''

RETURN = r'''
key_pair:
  description: The key pair after the task (predicted in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: The pair's name.
      type: str
      sample: deploy
    fingerprint:
      description: The provider's fingerprint of the pair; V(null) in check mode for a pair to create.
      type: str
      sample: "93:d9:76:9a:b3:f5:24:4b:65:a1:64:06:73:40:20:cf"
    public_key:
      description: The public key, where the provider returns it (OpenStack); else V(null).
      type: str
    extra:
      description: Provider-specific details, JSON-safe, without any private key.
      type: dict
private_key:
  description:
    - The private key (PEM) of a pair that the provider created in this task. The result is then hidden from
      the output, as with C(no_log); register it to use it.
  returned: when the provider created the pair
  type: str
private_key_path:
  description: The file the private key was written to.
  returned: when a private key was written
  type: str
  sample: /home/me/ci-runner.pem
mismatch:
  description: Whether a pair of that name holds another public key than O(public_key) and was left as it is.
  returned: always
  type: bool
diff:
  description: In diff mode, the C(name), C(fingerprint) and C(public_key) before and after; an empty dict when there is no pair.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"name": "deploy", "fingerprint": null, "public_key": "ssh-ed25519 AAAA... me@host"}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.key_pairs import KeyPairReconciler


class KeyPairModule(LibcloudModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        public_key=dict(type='str', no_log=False),
        force=dict(type='bool', default=False),
        private_key_path=dict(type='path', no_log=False),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        reconciler = KeyPairReconciler(self.driver, self.params, check_mode=self.check_mode, warn=self.warn)
        return reconciler.run(diff=self.ansible._diff)


def main():
    KeyPairModule()()


if __name__ == '__main__':
    main()
