/* cnnbook: pydata-sphinx-theme loads Font Awesome's 1.5 MB script only so that
   sites can add custom SVG icons. The book uses none: every icon it shows is
   drawn by the theme's stylesheet with Font Awesome's web fonts. This empty
   file, copied over the theme's, keeps every page from downloading it. */
