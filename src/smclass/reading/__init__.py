"""Reading: every supported input (files, stdin, folders, zips, platform exports) into records.

``inputs.read_path`` is the way in. ``sniff`` tells a format from the first bytes;
``json_input`` and ``delimited`` read the generic formats; ``containers`` opens folders
and zip archives; ``platforms/`` holds one module per platform's export shape, registered
in one list; ``fields`` chooses the text and id fields; ``records`` is what they all yield.
"""
