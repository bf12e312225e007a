"""The campaign room: campaign, groups, departments, venues, meetings, users and reports."""
