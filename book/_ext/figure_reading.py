"""Sphinx extension: figures a reader can read on any screen and with any reader.

* The text alternative of a figure's image is its caption (without the figure number). Glued figures otherwise
  carry their file name as ``alt``, which is what a screen reader reads out.
* Each figure's image links to itself at full size. On a phone a two-panel figure is drawn at about a third of
  its size; a tap opens the PNG, which the phone can zoom.
"""

from __future__ import annotations

import posixpath
import re

from docutils import nodes
from sphinx.util.osutil import relative_uri


def _caption_text(figure: nodes.figure) -> str:
    """The caption as plain words: TeX commands lose their backslash and braces (``\\eta_Z`` reads "eta_Z")."""
    captions = list(figure.findall(nodes.caption))
    if not captions:
        return ""
    text = re.sub(r"\\([A-Za-z]+)", r"\1", captions[0].astext()).replace("{", "").replace("}", "")
    return " ".join(text.split())


def _full_size_uri(app, image: nodes.image, docname: str) -> str:
    """Where the HTML builder will copy the image (``_images/<unique name>``), relative to the page."""
    uri = image["uri"]
    if uri not in app.env.images or not hasattr(app.builder, "get_target_uri"):
        return uri
    images = relative_uri(app.builder.get_target_uri(docname), "_images")
    return posixpath.join(images, app.env.images[uri][1])


def _read_figures(app, doctree, docname):
    for figure in doctree.findall(nodes.figure):
        text = _caption_text(figure)
        for image in list(figure.findall(nodes.image)):
            if text:
                image["alt"] = text
            if not isinstance(image.parent, nodes.reference):
                link = nodes.reference("", "", refuri=_full_size_uri(app, image, docname),
                                       classes=["figure-full-size"], reftitle="open the figure at full size")
                image.replace_self(link)
                link += image


def setup(app):
    app.connect("doctree-resolved", _read_figures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
