"""artwork: drawing shared by export (default cover art) and preview (the episode picture).

- `voicer.artwork.fonts.find_cjk_font()`: a font with CJK glyphs, so Chinese is not drawn as boxes.
- `voicer.artwork.cover.draw_cover` / `write_cover`: square 1400-3000 px cover art (show + title).

A shared module: it imports no pipeline stage, so export, feed and preview may all use it.
Pillow, matplotlib and fontTools are imported inside the functions.
"""
