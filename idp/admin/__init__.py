"""Administration: what platform administrators, organisations' referents and support staff may
do, as one service function per action (validate, write, audit), called alike by the web area
(/admin), the JSON admin API (/admin/api) and the ``idp`` command line."""
