# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's inventory plugins (containers, swarm_nodes) share: the cache and adding a host."""

from __future__ import annotations


def read_through_cache(plugin, path: str, cache: bool, fetch):
    """The engines' answer for this source: from the inventory cache when allowed, else ``fetch()``.

    Ansible passes ``cache=False`` for --flush-cache: then the engines are asked and the cache renewed.
    """
    key = plugin.get_cache_key(path)
    enabled = plugin.get_option('cache')
    update = enabled and not cache
    if enabled and cache:
        try:
            return plugin._cache[key]  # pylint: disable=protected-access
        except KeyError:
            update = True
    data = fetch()
    if update:
        plugin._cache[key] = data  # pylint: disable=protected-access
    return data


def add_host(plugin, name: str, hostvars: dict, groups) -> None:
    """Add a host with its variables and default groups, then apply compose, groups and keyed_groups."""
    strict = plugin.get_option('strict')
    plugin.inventory.add_host(name)
    for key, value in hostvars.items():
        plugin.inventory.set_variable(name, key, value)
    for group in groups:
        plugin.inventory.add_group(group)
        plugin.inventory.add_child(group, name)
    # pylint: disable=protected-access
    plugin._set_composite_vars(plugin.get_option('compose'), hostvars, name, strict=strict)
    plugin._add_host_to_composed_groups(plugin.get_option('groups'), hostvars, name, strict=strict)
    plugin._add_host_to_keyed_groups(plugin.get_option('keyed_groups'), hostvars, name, strict=strict)
