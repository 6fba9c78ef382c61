"""Jobs views: `public` (browse, search, job page) and `employer` (managing one's own jobs)."""
