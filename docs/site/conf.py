# Sphinx configuration of fleet.docker's docs site (scripts/docs.sh; `make docs`).
# The module and role pages come from antsibull-docs; the guides are the repository's Markdown
# files (README.md, docs/*.md), read with myst-parser, so there is one copy of each text.

project = 'fleet.docker'
copyright = 'fleet.docker developers'
title = 'fleet.docker'
html_short_title = 'fleet.docker'

extensions = ['sphinx_antsibull_ext', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {'collapse_navigation': False, 'navigation_depth': 3}

# Offline: no intersphinx inventories are fetched.
intersphinx_mapping = {}
default_role = 'any'
# Links in the Markdown guides point at repository files (docs/lab.md, plugins/...), which are
# not pages of this site; they stay plain links.
suppress_warnings = ['myst.xref_missing', 'myst.header']

# antsibull-docs links a few labels of the Ansible docs (intersphinx targets). Offline there is
# no inventory to fetch, so they resolve here to their docs.ansible.com pages; any other missing
# reference still fails the build (-W).
ANSIBLE_DOCS = 'https://docs.ansible.com/ansible/latest/'
EXTERNAL_LABELS = {
    'common_return_values': 'reference_appendices/common_return_values.html',
    'ansible_configuration_settings': 'reference_appendices/config.html',
}


def _external_label(app, env, node, contnode):
    from docutils import nodes
    target = node.get('reftarget', '')
    if node.get('reftype') != 'ref':
        return None
    if target in EXTERNAL_LABELS:
        path = EXTERNAL_LABELS[target]
    elif target.startswith('ansible_collections.ansible.builtin.') and target.endswith('_module'):
        path = 'collections/ansible/builtin/%s.html' % target.rsplit('.', 1)[1]
    else:
        return None
    ref = nodes.reference('', '', internal=False, refuri=ANSIBLE_DOCS + path)
    ref.append(contnode)
    return ref


def setup(app):
    app.connect('missing-reference', _external_label)
