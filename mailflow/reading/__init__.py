"""Reading mail: what a person or the therapist wrote, and what it means. Pure, no I/O."""
